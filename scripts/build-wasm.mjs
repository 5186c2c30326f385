console.log("no wasm yet")
