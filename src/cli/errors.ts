/** Node system errors turned into xmc error messages. */

/** Node system errors (they carry `code` and `syscall`, often `path`). */
const SYSTEM_CODES = new Set(["ENOENT", "EACCES", "EPERM", "ENOSPC", "EDQUOT", "EISDIR", "ENOTDIR", "EROFS", "EEXIST", "EMFILE", "ENFILE", "ENAMETOOLONG", "ELOOP", "EIO", "EBUSY"]);

/** What a system call was doing, in words. */
const SYSCALL_WORDS: Record<string, string> = {
  open: "opening",
  read: "reading",
  write: "writing",
  rename: "renaming",
  mkdir: "creating a directory",
  scandir: "listing a directory",
  stat: "reading the status of",
  lstat: "reading the status of",
  unlink: "removing",
  fsync: "flushing",
  close: "closing",
};

/**
 * The one-line message for a Node system error a user can cause (a missing file, no
 * permission, a full disk): the path, the reason, the code and what xmc was doing; null for
 * anything else (an internal error).
 */
export function systemErrorMessage(e: unknown, verb: string | null): string | null {
  const err = e as NodeJS.ErrnoException & { dest?: string };
  if (!(e instanceof Error) || typeof err.code !== "string" || !SYSTEM_CODES.has(err.code)) return null;
  const reason = /^[A-Z]+: ([^,]+)/.exec(err.message)?.[1] ?? err.message;
  const doing = err.syscall ? (SYSCALL_WORDS[err.syscall] ?? err.syscall) : "accessing a file";
  const where = err.path ? `${err.path}${err.dest ? ` -> ${err.dest}` : ""}: ` : "";
  return `${where}${reason} (${err.code}) while ${doing}${err.path ? "" : " a file"}${verb ? ` in 'xmc ${verb}'` : ""}`;
}

