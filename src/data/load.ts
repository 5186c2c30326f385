import { XmcError } from "../core/errors.js";
import { readArff } from "./arff.js";
import type { Dataset, ReadOptions } from "./dataset.js";
import { exists, isDirectory, isFile, requireFile } from "./lines.js";
import { readText, textPaths } from "./text.js";
import { readXc } from "./xc.js";

/**
 * Read a data set, choosing the reader from `spec`: a path ending in `.arff` is Mulan ARFF;
 * any other existing file is XC sparse format; otherwise `spec` is a text PREFIX when
 * `${spec}_texts.txt` exists.
 */
export async function loadDataset(spec: string, opts: ReadOptions = {}): Promise<Dataset> {
  if (/\.arff$/i.test(spec)) return readArff(spec, opts);
  if (await isFile(spec)) return readXc(spec, opts);
  const paths = textPaths(spec);
  if (await isFile(paths.texts)) return readText(spec, opts);
  if (await exists(paths.texts)) await requireFile(paths.texts); // there, but not a file: says what it is
  if (await isDirectory(spec)) {
    throw new XmcError(`${spec}: is a directory; expected an XC .txt file, an .arff file, or a text PREFIX with PREFIX_texts.txt and PREFIX_labels.txt (${paths.texts} does not exist)`);
  }
  throw new XmcError(
    `${spec}: no such file; expected an XC .txt file, an .arff file, or a text PREFIX with PREFIX_texts.txt and PREFIX_labels.txt (${paths.texts} does not exist either)`,
  );
}
