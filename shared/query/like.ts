/**
 * SQL LIKE / ILIKE outside SQL: `%` matches any run of characters, `_` exactly one (a UTF-16 code unit, as the
 * regular expressions it replaces did). Without backtracking: the pattern is cut at its `%`s, the first piece
 * must match at the start, the last at the end, and each piece between is taken at its leftmost place after
 * the previous one (taking it further right never helps the rest). The time is at most the text's length times
 * the pattern's, whatever the pattern: `%a%a%a%a%a%a%a%b` against 60 `a`s answers at once.
 */

function pieceAt(text: string, piece: string, at: number): boolean {
  if (at + piece.length > text.length) return false;
  for (let i = 0; i < piece.length; i++) {
    const p = piece.charCodeAt(i);
    if (p !== 95 /* _ */ && p !== text.charCodeAt(at + i)) return false;
  }
  return true;
}

/** The first offset >= from where `piece` matches, or -1. */
function findPiece(text: string, piece: string, from: number): number {
  if (!piece.includes('_')) return text.indexOf(piece, from);
  for (let at = from; at + piece.length <= text.length; at++) if (pieceAt(text, piece, at)) return at;
  return -1;
}

export function likeMatch(text: string, pattern: string, caseInsensitive = false): boolean {
  if (caseInsensitive) {
    text = text.toLowerCase();
    pattern = pattern.toLowerCase();
  }
  const pieces = pattern.split('%');
  if (pieces.length === 1) return text.length === pattern.length && pieceAt(text, pattern, 0);
  const first = pieces[0];
  const last = pieces[pieces.length - 1];
  if (first.length + last.length > text.length) return false;
  if (!pieceAt(text, first, 0)) return false;
  if (!pieceAt(text, last, text.length - last.length)) return false;
  let pos = first.length;
  const middle = text.slice(0, text.length - last.length);
  for (let i = 1; i < pieces.length - 1; i++) {
    const piece = pieces[i];
    if (piece === '') continue;
    const at = findPiece(middle, piece, pos);
    if (at < 0) return false;
    pos = at + piece.length;
  }
  return true;
}
