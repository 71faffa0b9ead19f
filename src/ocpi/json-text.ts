/**
 * Lossless edits of JSON text: the hub passes bodies on byte for byte, and
 * where it must change one value it changes those bytes only, so numbers
 * such as `12.50` or 20-digit integers and the sender's escapes and spacing
 * reach the receiver as written (JSON.stringify of the parsed body would not
 * keep them).
 */

/**
 * `text` (a JSON object) with the string value of every top-level member
 * `name` replaced by `value`; every other byte as it was. Every occurrence
 * is replaced, since parsers differ on which of a repeated name counts.
 * Undefined when the text has no such member with a string value.
 */
export function replaceTopLevelString(
  text: string,
  name: string,
  value: string,
): string | undefined {
  const replacement = JSON.stringify(value);
  let out = "";
  let copied = 0;
  let depth = 0;
  let expectKey = false;
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '"') {
      const end = stringEnd(text, i);
      if (depth === 1 && expectKey && JSON.parse(text.slice(i, end)) === name) {
        let j = skipSpace(text, end);
        if (text[j] === ":") j = skipSpace(text, j + 1);
        if (text[j] === '"') {
          const valueEnd = stringEnd(text, j);
          out += text.slice(copied, j) + replacement;
          copied = valueEnd;
          i = valueEnd;
          expectKey = false;
          continue;
        }
      }
      expectKey = false;
      i = end;
      continue;
    }
    if (ch === "{") {
      depth++;
      expectKey = depth === 1;
    } else if (ch === "[") {
      depth++;
    } else if (ch === "}" || ch === "]") {
      depth--;
    } else if (ch === "," && depth === 1) {
      expectKey = true;
    }
    i++;
  }
  return copied === 0 ? undefined : out + text.slice(copied);
}

/** The index just past the string that opens at `start`. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i];
    if (ch === "\\") i += 2;
    else if (ch === '"') return i + 1;
    else i++;
  }
  return text.length;
}

function skipSpace(text: string, from: number): number {
  let i = from;
  while (
    i < text.length &&
    (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")
  )
    i++;
  return i;
}
