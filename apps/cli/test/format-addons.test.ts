import { describe, expect, it } from 'vitest';
import type { Addon, AddonAttachment } from '../src/api-types.ts';
import { formatAddons } from '../src/format/addons.ts';
import { plain } from '../src/format/style.ts';

const addon = (name: string, owner: string, configVars: string[]): Addon => ({
  id: `id-${name}`,
  name,
  addon_service: { id: 's', name: 'postgresql' },
  plan: { id: 'p', name: 'postgresql:dev' },
  app: { id: `app-${owner}`, name: owner },
  config_vars: configVars,
  state: 'provisioned',
  created_at: '2026-11-30T00:00:00Z',
  updated_at: '2026-11-30T00:00:00Z',
});

const attachment = (a: Addon, app: string, name: string): AddonAttachment => ({
  id: `${a.id}-${app}-${name}`,
  name,
  addon: { id: a.id, name: a.name, app: a.app },
  app: { id: `app-${app}`, name: app },
  created_at: '2026-11-30T00:00:00Z',
});

describe('formatAddons', () => {
  it('names each add-on with its attachments here, lists its attachments in other apps, and says who is billed', () => {
    const own = addon('postgresql-solid-11111', 'main', ['DATABASE_URL', 'SHARED_URL']);
    const foreign = addon('postgresql-deep-22222', 'other', ['DATABASE_URL']);
    const lines = formatAddons('main', [own, foreign], plain, [
      attachment(own, 'main', 'DATABASE'),
      attachment(own, 'reader', 'SHARED'),
      attachment(foreign, 'main', 'OTHER'),
    ]);
    expect(lines).toEqual([
      'Add-on                             Plan            Price                  State',
      'postgresql-solid-11111 (DATABASE)  postgresql:dev  free                   provisioned',
      ' └─ as SHARED on reader app',
      'postgresql-deep-22222 (OTHER)      postgresql:dev  (billed to other app)  provisioned',
    ]);
  });

  it('says when there are none', () => {
    expect(formatAddons('main', [], plain)).toEqual(['No add-ons for app main.']);
  });
});
