/**
 * Word vocabulary of the neural text methods: xmc's tokenizer (NFKC, lower-case, Unicode word
 * runs), optional English stop-word removal (NLTK's list; when a text has nothing else left its
 * stop words are kept, as the reference's fallback), ids 0 = `<PAD/>`, 1 = `<UNK/>`, then the
 * words by decreasing training frequency (ties by code-point order, so the vocabulary is
 * deterministic). Texts become fixed-length id rows (truncated or padded with 0).
 */
import { tokenize } from "./tokenizer.js";
import type { Schema } from "../core/params.js";

/** Id of the padding token. */
export const PAD = 0;
/** Id of the unknown-word token. */
export const UNK = 1;

/** NLTK's English stop words (lower-case). */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  ("i me my myself we our ours ourselves you you're you've you'll you'd your yours yourself yourselves he him his himself she she's her hers herself " +
    "it it's its itself they them their theirs themselves what which who whom this that that'll these those am is are was were be been being have has had " +
    "having do does did doing a an the and but if or because as until while of at by for with about against between into through during before after " +
    "above below to from up down in out on off over under again further then once here there when where why how all any both each few more most other " +
    "some such no nor not only own same so than too very s t can will just don don't should should've now d ll m o re ve y ain aren aren't couldn " +
    "couldn't didn didn't doesn doesn't hadn hadn't hasn hasn't haven haven't isn isn't ma mightn mightn't mustn mustn't needn needn't shan shan't " +
    "shouldn shouldn't wasn wasn't weren weren't won won't wouldn wouldn't").split(" "),
);

/** Tokens of a text after optional stop-word removal (stop words kept when nothing else remains). */
export function textTokens(text: string, stopWords: boolean): string[] {
  const toks = tokenize(text);
  if (!stopWords) return toks;
  const kept = toks.filter((t) => !STOP_WORDS.has(t));
  return kept.length > 0 ? kept : toks;
}

/** Options of {@link TokenVocab.build}. */
export interface VocabOptions {
  maxVocab: number;
  minCount: number;
  stopWords: boolean;
}

/** A word vocabulary with `<PAD/>` = 0 and `<UNK/>` = 1. */
export class TokenVocab {
  private readonly index: Map<string, number>;

  constructor(readonly words: string[], readonly stopWords: boolean) {
    this.index = new Map(words.map((w, i) => [w, i]));
  }

  /** Vocabulary size including PAD and UNK. */
  get size(): number {
    return this.words.length;
  }

  /**
   * The `maxVocab` most frequent words of `texts` seen at least `minCount` times, then words of
   * `extra` texts (label texts) not yet present, in the order of their frequency there.
   */
  static build(texts: readonly string[], o: VocabOptions, extra: readonly string[] = []): TokenVocab {
    const count = (list: readonly string[]): [string, number][] => {
      const c = new Map<string, number>();
      for (const t of list) for (const w of textTokens(t, o.stopWords)) c.set(w, (c.get(w) ?? 0) + 1);
      return [...c.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    };
    const words = ["<PAD/>", "<UNK/>"];
    const seen = new Set(words);
    for (const [w, n] of count(texts)) {
      if (words.length - 2 >= o.maxVocab) break;
      if (n < o.minCount) break;
      words.push(w);
      seen.add(w);
    }
    for (const [w] of count(extra)) {
      if (words.length - 2 >= o.maxVocab) break;
      if (!seen.has(w)) {
        words.push(w);
        seen.add(w);
      }
    }
    return new TokenVocab(words, o.stopWords);
  }

  /** Id of a word (UNK when absent). */
  id(word: string): number {
    return this.index.get(word) ?? UNK;
  }

  /** All token ids of a text (no truncation); `unknownAs` replaces UNK (e.g. −1 to skip it). */
  ids(text: string, unknownAs = UNK): Int32Array {
    const toks = textTokens(text, this.stopWords);
    const out = new Int32Array(toks.length);
    for (let i = 0; i < toks.length; i++) out[i] = this.index.get(toks[i]) ?? unknownAs;
    return out;
  }

  /** Texts as an n × seqLen id matrix (row-major), truncated or padded with PAD. */
  encode(texts: readonly string[], seqLen: number): Int32Array {
    const out = new Int32Array(texts.length * seqLen);
    texts.forEach((t, r) => {
      const ids = this.ids(t);
      out.set(ids.subarray(0, seqLen), r * seqLen);
    });
    return out;
  }
}

/** Tokenisation and vocabulary. */
export const TEXT_SCHEMA = {
  maxVocab: { type: "number", default: 100000, min: 2, integer: true, help: "largest vocabulary (most frequent training words), plus <PAD/> and <UNK/>" },
  minCount: { type: "number", default: 1, min: 1, integer: true, help: "words seen fewer times in the training texts are <UNK/>" },
  stopWords: { type: "boolean", default: true, help: "drop English stop words (NLTK's list), as the reference cleaning does" },
  labelTexts: { type: "boolean", default: true, help: "also take vocabulary words from the label texts (labels.txt), and pretrain word vectors on them" },
} as const satisfies Schema;
