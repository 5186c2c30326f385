/**
 * The registered methods. Adding a method: its folder under src/methods/ exporting one `Method`,
 * and one entry here. The first is the default of `xmc train`.
 */
import { XmcError } from "../core/errors.js";
import type { Method } from "../methods/method.js";
import { prime } from "../methods/prime/index.js";
import { inceptionxml, syncxml } from "../methods/syncxml/index.js";
import { xrLinear } from "../methods/xr-linear/index.js";
import { xrTransformer } from "../methods/xr-transformer/index.js";

export const METHODS: readonly Method[] = [xrLinear, syncxml, inceptionxml, prime, xrTransformer];

/** The method of this name or alias; an error listing the names otherwise. */
export function methodByName(name: string, where = "--method"): Method {
  const m = METHODS.find((x) => x.name === name || (x.aliases ?? []).includes(name));
  if (!m) throw new XmcError(`${where}: unknown method "${name}" (known: ${METHODS.map((x) => x.name).join(", ")})`);
  return m;
}
