/** SyncXML / InceptionXML: the public surface of the method. */
export { SyncXMLModel, type SyncXMLTrainOptions } from "./model.js";
export { parseSyncXMLParams, type SyncXMLParams } from "./params.js";
export type { EpochStats } from "./train.js";
export { TokenVocab } from "./vocab.js";
