/**
 * The database the platform keeps its state in: DATABASE_URL, with its password taken apart from it when
 * PLATFORM_DATABASE_PASSWORD (or, typically, PLATFORM_DATABASE_PASSWORD_FILE: a Docker secret such as
 * `/run/secrets/platform_db_password`, the file PostgreSQL's own POSTGRES_PASSWORD_FILE reads too) is set. The
 * password is percent-encoded into the URL, so any character works. Pure: returns the problems, one line each,
 * and never repeats the password or the URL in them.
 *
 *   databaseUrlWithPassword('postgres://platform@postgres:5432/platform', 'p@ss/word')
 *     // { value: 'postgres://platform:p%40ss%2Fword@postgres:5432/platform', problems: [] }
 */
export function databaseUrlWithPassword(
  url: string | null,
  password: string | null,
): { value: string | null; problems: string[] } {
  if (password === null) return { value: url, problems: [] };
  if (url === null) {
    return { value: null, problems: ['PLATFORM_DATABASE_PASSWORD(_FILE) needs DATABASE_URL (without a password), e.g. postgres://platform@postgres:5432/platform'] };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { value: null, problems: ['DATABASE_URL must be a URL such as postgres://platform@postgres:5432/platform'] };
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    return { value: null, problems: ['DATABASE_URL must be a postgres:// URL when PLATFORM_DATABASE_PASSWORD(_FILE) is set'] };
  }
  if (parsed.password !== '') {
    return { value: null, problems: ['DATABASE_URL has a password and PLATFORM_DATABASE_PASSWORD(_FILE) gives another: set only one'] };
  }
  if (parsed.username === '') {
    return { value: null, problems: ['DATABASE_URL must name the database user (postgres://USER@host/db) when PLATFORM_DATABASE_PASSWORD(_FILE) is set'] };
  }
  if (/[\r\n]/.test(password)) {
    return { value: null, problems: ['PLATFORM_DATABASE_PASSWORD(_FILE) must be one line'] };
  }
  parsed.password = encodeURIComponent(password);
  return { value: parsed.toString(), problems: [] };
}
