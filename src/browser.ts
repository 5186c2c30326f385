/** xmc in the browser: the prediction path, with no Node module. (Provisional: text featurization.) */
export { StackedVectorizer } from "./text/stack.js";
