import { randomBytes } from 'node:crypto';
import { PlatformError, ErrorCodes } from '@platform/types';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The name of an add-on's resources (database, role, container): `addon_` and its id's 32 hex digits, so the same
 * add-on always names the same resources and no user input reaches an identifier.
 *
 *   addonResourceName('0b5f…') // 'addon_0b5f…'
 */
export function addonResourceName(addonId: string): string {
  if (!UUID_RE.test(addonId)) throw new PlatformError(ErrorCodes.invalidParams, `Not an add-on id: ${JSON.stringify(addonId)}.`);
  return `addon_${addonId.replaceAll('-', '').toLowerCase()}`;
}

/** A fresh random password: 32 bytes, base64url (43 characters, nothing a URL must escape). */
export function generatePassword(): string {
  return randomBytes(32).toString('base64url');
}
