/**
 * Errors a user can cause (bad files, bad options). The CLI prints their message
 * without a stack trace and exits non-zero; anything else is a bug.
 */
export class XmcError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "XmcError";
  }
}

/** An error located in an input file: "file:line: what was expected". */
export function fileError(file: string, line: number | null, what: string): XmcError {
  return new XmcError(line === null ? `${file}: ${what}` : `${file}:${line}: ${what}`);
}
