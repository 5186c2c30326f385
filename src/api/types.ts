/** Types that span the registered methods. */
import type { XmcModel } from "../methods/model.js";
import type { PrimePredictInput } from "../methods/prime/params.js";
import type { SyncXMLPredictInput } from "../methods/syncxml/params.js";
import type { XRLinearPredictInput } from "../methods/xr-linear/params.js";
import type { XrtPredictInput } from "../methods/xr-transformer/params.js";

/** Prediction options of a model of any method: the options of one of the methods (a key no method has does not compile). */
export type AnyPredictOptions = XRLinearPredictInput | SyncXMLPredictInput | PrimePredictInput | XrtPredictInput;

/** A loaded model whose method is known only at run time (what `loadModel` returns). */
export type AnyModel = XmcModel<AnyPredictOptions>;
