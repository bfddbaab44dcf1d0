/** True for a path (relative to the app, `/`-separated) that stays out of the slug. */
export type SlugExclude = (relPath: string, isDirectory: boolean) => boolean;

/**
 * `.slugignore`: gitignore-like patterns for paths left out of the slug (Heroku removes them after
 * the build; leaving them out of the tar has the same effect and never follows a symlink).
 * Supported: `#` comments, blank lines, `*`, `?`, `**`, a leading `/` (anchored to the root), a
 * trailing `/` (directories only); a pattern without an inner `/` matches at any depth.
 * Not supported (ignored): `!` negations.
 */
export function createSlugIgnore(text: string | null): SlugExclude | undefined {
  if (text === null) return undefined;
  const rules: Array<{ re: RegExp; dirOnly: boolean }> = [];
  for (const raw of text.replace(/\r\n?/g, '\n').split('\n')) {
    let pattern = raw.trim();
    if (pattern === '' || pattern.startsWith('#') || pattern.startsWith('!')) continue;
    const dirOnly = pattern.endsWith('/');
    pattern = pattern.replace(/\/+$/, '');
    const anchored = pattern.startsWith('/') || pattern.includes('/');
    pattern = pattern.replace(/^\/+/, '');
    if (pattern === '') continue;
    const body = globToRegExp(pattern);
    rules.push({ re: new RegExp(anchored ? `^${body}$` : `^(?:.*/)?${body}$`), dirOnly });
  }
  if (rules.length === 0) return undefined;
  return (relPath, isDirectory) => rules.some((r) => (!r.dirOnly || isDirectory) && r.re.test(relPath));
}

function globToRegExp(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` = any number of directories; a trailing `**` = everything below.
      if (glob[i + 2] === '/') {
        out += '(?:.*/)?';
        i += 2;
      } else {
        out += '.*';
        i += 1;
      }
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[\\^$.+()|{}[\]]/g, '\\$&');
  }
  return out;
}
