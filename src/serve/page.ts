/**
 * GET / of `xmc serve`: one self-contained page (no build step, no network beyond this server)
 * to try the model: a text box and k, the ranked labels with their scores as bars, each
 * label's text when the model has label texts, and the request's latency.
 */
export const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>xmc: try the model</title>
<style>
  body { font: 15px/1.4 system-ui, sans-serif; max-width: 760px; margin: 2rem auto; padding: 0 1rem; color: #222; }
  h1 { font-size: 1.3rem; margin: 0 0 .2rem; }
  #model { color: #666; margin-bottom: 1rem; }
  textarea { width: 100%; box-sizing: border-box; min-height: 7rem; font: inherit; padding: .5rem; }
  .row { display: flex; gap: .8rem; align-items: center; margin: .6rem 0 1rem; }
  input[type=number] { width: 4rem; font: inherit; }
  button { font: inherit; padding: .35rem 1.2rem; }
  #status { color: #666; }
  ol { padding-left: 1.6rem; }
  li { margin: .35rem 0; }
  .label { font-weight: 600; }
  .text { color: #555; font-size: .9em; }
  .bar { height: .55rem; background: #3b7dd8; border-radius: 2px; margin-top: .15rem; }
  .score { color: #444; font-variant-numeric: tabular-nums; margin-left: .4rem; }
  .error { color: #b00020; }
</style>
</head>
<body>
<h1>xmc</h1>
<div id="model">loading…</div>
<form id="form">
  <textarea id="text" placeholder="Type or paste a text to label"></textarea>
  <div class="row">
    <label>k <input id="k" type="number" min="1" max="100" value="5"></label>
    <button id="go" type="submit">Predict</button>
    <span id="status"></span>
  </div>
</form>
<ol id="labels"></ol>
<script>
const $ = (id) => document.getElementById(id);
let info = null;
fetch("ready").then((r) => r.json()).then((i) => {
  info = i;
  $("model").textContent = i.method + " model, " + i.labels + " labels";
}).catch(() => { $("model").textContent = "model not ready"; });
$("form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const k = Number($("k").value) || 5;
  $("status").textContent = "…";
  const t0 = performance.now();
  let body;
  try {
    const r = await fetch("predict", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: $("text").value, k }) });
    body = await r.json();
    if (!r.ok) throw new Error(body.error || ("HTTP " + r.status));
  } catch (e) {
    $("status").innerHTML = "";
    const span = document.createElement("span");
    span.className = "error";
    span.textContent = String(e.message || e);
    $("status").append(span);
    return;
  }
  const ms = performance.now() - t0;
  $("status").textContent = ms.toFixed(1) + " ms";
  const list = body.predictions[0];
  const top = list.length ? Math.max(...list.map((p) => Math.abs(p.score))) || 1 : 1;
  const ol = $("labels");
  ol.innerHTML = "";
  for (const p of list) {
    const li = document.createElement("li");
    li.className = "prediction";
    const name = document.createElement("span");
    name.className = "label";
    name.textContent = p.label;
    const score = document.createElement("span");
    score.className = "score";
    score.textContent = p.score.toFixed(4);
    const bar = document.createElement("div");
    bar.className = "bar";
    bar.style.width = Math.max(1, (100 * Math.abs(p.score)) / top) + "%";
    li.append(name, score, bar);
    if (info && info.labelTexts) {
      const text = document.createElement("div");
      text.className = "text";
      li.append(text);
      fetch("labels/" + encodeURIComponent(p.label)).then((r) => r.json()).then((t) => { text.textContent = t.text || ""; });
    }
    ol.append(li);
  }
});
</script>
</body>
</html>
`;
