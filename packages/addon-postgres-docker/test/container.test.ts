import { describe, expect, it } from 'vitest';
import { ADDON_LABEL, addonObjects, containerOptions } from '../src/index.ts';

const addonId = '0b5f3a9e-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
const spec = { addonId, appId: 'app-1', instance: 'inst', image: 'platform/postgres:15-bookworm-1', network: 'platform-app-abc', memoryMb: 512 };

describe('an add-on container, as created', () => {
  it('is named after the add-on id, and a bad id is refused', () => {
    expect(addonObjects(addonId)).toEqual({
      resource: 'addon_0b5f3a9e1c2d4e5f8a9b0c1d2e3f4a5b',
      container: 'platform-addon-0b5f3a9e1c2d4e5f8a9b0c1d2e3f4a5b',
      volume: 'platform-addon-0b5f3a9e1c2d4e5f8a9b0c1d2e3f4a5b-data',
    });
    expect(() => addonObjects('x; rm -rf /')).toThrow(/Not an add-on id/);
  });

  it("joins the app's network only, with its name as alias, publishes no port and carries no secret", () => {
    const o = containerOptions(spec);
    expect(o.HostConfig?.NetworkMode).toBe('platform-app-abc');
    expect(Object.keys(o.NetworkingConfig?.EndpointsConfig ?? {})).toEqual(['platform-app-abc']);
    expect(o.NetworkingConfig?.EndpointsConfig?.['platform-app-abc']?.Aliases).toEqual([o.name]);
    expect(o.HostConfig?.PortBindings).toEqual({});
    expect(o.HostConfig?.PublishAllPorts).toBe(false);
    expect(o.Env).toEqual(['POSTGRES_USER=platform', 'POSTGRES_PASSWORD_FILE=/tmp/platform-superuser-password']);
    expect(o.Cmd).toBeUndefined();
  });

  it('keeps its data on its named volume, restarts with the engine, is labelled for adoption, not as a dyno', () => {
    const o = containerOptions(spec);
    expect(o.HostConfig?.Mounts).toEqual([{ Type: 'volume', Source: addonObjects(addonId).volume, Target: '/var/lib/postgresql/data' }]);
    expect(o.HostConfig?.RestartPolicy).toEqual({ Name: 'unless-stopped' });
    expect(o.HostConfig?.CapDrop).toEqual(['ALL']);
    expect(o.Labels).toEqual({
      [ADDON_LABEL.instance]: 'inst',
      [ADDON_LABEL.id]: addonId,
      [ADDON_LABEL.appId]: 'app-1',
      [ADDON_LABEL.service]: 'postgresql',
      [ADDON_LABEL.network]: 'platform-app-abc',
    });
    // The docker runtime lists `platform.managed` containers as dynos.
    expect(Object.keys(o.Labels ?? {}).filter((k) => k === 'platform.managed' || k === 'platform.app')).toEqual([]);
  });
});
