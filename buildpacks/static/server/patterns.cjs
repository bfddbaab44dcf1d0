'use strict';
// patterns.cjs — static.json path patterns ("headers" and "routes" keys): "*" is any run of characters but "/",
// "**" any run at all, everything else literal; a pattern matches the whole path.
/**
 * A static.json path pattern, split into literal text and wildcards: "*" is any run of characters but "/", "**" any
 * run at all. Matched against a whole path without regular expressions (no user text is ever compiled), in time
 * bounded by the path length times the pattern length.
 */
function compilePattern(pattern) {
  const tokens = [];
  let i = 0;
  while (i < pattern.length) {
    if (pattern.startsWith('**', i)) {
      tokens.push({ any: true });
      i += 2;
      while (pattern.startsWith('*', i)) i++; // "***" is "**"
    } else if (pattern[i] === '*') {
      tokens.push({ segment: true });
      i += 1;
    } else {
      const next = pattern.indexOf('*', i);
      const end = next === -1 ? pattern.length : next;
      tokens.push({ text: pattern.slice(i, end) });
      i = end;
    }
  }
  return tokens;
}
/** Whether a compiled pattern matches the whole `path`. */
function matchesPattern(tokens, path) {
  // reach[p]: the tokens so far can end at position p of the path.
  let reach = new Uint8Array(path.length + 1);
  reach[0] = 1;
  for (const token of tokens) {
    const next = new Uint8Array(path.length + 1);
    let any = false;
    if (token.any) {
      const from = reach.indexOf(1);
      if (from === -1) return false;
      next.fill(1, from);
      any = true;
    } else if (token.segment) {
      for (let p = 0; p <= path.length; p++) {
        if (!reach[p]) continue;
        next[p] = 1;
        any = true;
        // Extend over the characters that are not "/"; stop where an earlier start already extended.
        for (let q = p; q < path.length && path[q] !== '/' && !next[q + 1]; q++) next[q + 1] = 1;
      }
    } else {
      for (let p = 0; p + token.text.length <= path.length; p++) {
        if (reach[p] && path.startsWith(token.text, p)) {
          next[p + token.text.length] = 1;
          any = true;
        }
      }
    }
    if (!any) return false;
    reach = next;
  }
  return reach[path.length] === 1;
}

module.exports = { compilePattern, matchesPattern };
