/**
 * Building, saving and loading the channels fused with the trees (channels.ts), and the label
 * embedding the trees cluster on when labels have texts.
 */
import { type Csr, hstack, normalizeRowsL2 } from "../../core/csr.js";
import type { Progress } from "../../core/progress.js";
import type { Dataset } from "../../data/dataset.js";
import type { TypedArray } from "../../model/format.js";
import type { StackedVectorizer } from "../../text/stack.js";
import { type Channels, type FusionParams, LabelTextChannel, NeighbourChannel, NO_CHANNELS } from "./channels.js";
import type { XRLinearParams } from "./params.js";

/** Label texts of `data` when it has at least one non-empty one, cut to the label space of Y. */
function labelTextsOf(data: Dataset, L: number): string[] | null {
  if (!data.labelTexts || !data.labelTexts.some((t) => t.trim() !== "")) return null;
  return data.labelTexts.slice(0, L);
}

/**
 * The rows the label tree clusters: PIFA alone, or (fusion.pifaLabelTexts, text data with label
 * texts) each label's PIFA row beside its text's TF-IDF row, re-normalised, as PECOS's
 * pifa_lf_concat: a label with no training instance is placed by its text alone.
 */
export function treeEmbedding(Z: Csr, data: Dataset, vectorizer: StackedVectorizer | null, f: FusionParams, progress: Progress): Csr {
  const texts = vectorizer && f.pifaLabelTexts ? labelTextsOf(data, Z.rows) : null;
  if (!vectorizer || !texts) return Z;
  progress.log(`clustering labels on PIFA and their ${texts.length} label texts`);
  const T = vectorizer.transform(texts);
  return normalizeRowsL2(hstack([Z, T]));
}

/** The channels asked for by params.fusion ("on"), from the training rows X, Y. */
export function buildChannels(X: Csr, Y: Csr, counts: Int32Array, data: Dataset, vectorizer: StackedVectorizer | null, f: FusionParams, progress: Progress): Channels {
  const vote = f.vote === "on" && f.voteWeight > 0 ? NeighbourChannel.build(X, Y, f.voteK, f.voteTau) : null;
  const texts = vectorizer && f.labelTexts === "on" && f.labelTextWeight > 0 ? labelTextsOf(data, Y.cols) : null;
  const labelText = texts && vectorizer ? LabelTextChannel.build(texts, counts, X.cols, (t) => vectorizer.transform(t), f.voteK) : null;
  if (vote) progress.log(`neighbour vote: ${X.rows} training texts, k ${f.voteK}, weight ${f.voteWeight}`);
  if (labelText) progress.log(`label texts: ${labelText.labels.length} labels with no training instance can be returned by their text (weight ${f.labelTextWeight})`);
  if (!vote && !labelText) return NO_CHANNELS;
  return { vote, voteWeight: vote ? f.voteWeight : 0, labelText, labelTextWeight: labelText ? f.labelTextWeight : 0 };
}

/** Model arrays of the channels. */
export function channelArrays(c: Channels): Record<string, TypedArray> {
  return { ...(c.vote ? c.vote.arrays() : {}), ...(c.labelText ? c.labelText.arrays() : {}) };
}

/** The channels stored in a model file (none when it has no channel arrays). */
export function channelsFromFiles(p: XRLinearParams, arrays: Record<string, TypedArray | undefined>, nTrain: number, src: string): Channels {
  const f = p.fusion;
  const vote = f.vote === "on" && arrays["vote.ptr"] ? NeighbourChannel.fromArrays(arrays, nTrain, f.voteK, f.voteTau, src) : null;
  const labelText = f.labelTexts === "on" && arrays["labelText.labels"] ? LabelTextChannel.fromArrays(arrays, f.voteK, src) : null;
  if (!vote && !labelText) return NO_CHANNELS;
  return { vote, voteWeight: vote ? f.voteWeight : 0, labelText, labelTextWeight: labelText ? f.labelTextWeight : 0 };
}
