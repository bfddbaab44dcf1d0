import { describe, expect, it } from 'vitest';
import { dynoMetadata, withDynoMetadata } from '../src/dyno-metadata.ts';

describe('dyno metadata', () => {
  const release = { app: 'shop', appId: '5f0c…', releaseVersion: 42 };

  it('names the app and the release the way Heroku does', () => {
    expect(dynoMetadata(release)).toEqual({ HEROKU_APP_ID: '5f0c…', HEROKU_APP_NAME: 'shop', HEROKU_RELEASE_VERSION: 'v42' });
  });

  it('keeps the config and wins over a config var of the same name', () => {
    const env = withDynoMetadata({ GREETING: 'hi', HEROKU_RELEASE_VERSION: 'v1' }, release);
    expect(env).toEqual({ GREETING: 'hi', HEROKU_APP_ID: '5f0c…', HEROKU_APP_NAME: 'shop', HEROKU_RELEASE_VERSION: 'v42' });
  });
});
