/**
 * Signatures as the build tools write them, made in the test with fresh keys:
 * - Tauri (`tauri signer sign`, i.e. minisign): the `.sig` file is base64 of a minisign signature
 *   box (prehashed `ED`, BLAKE2b-512), the app's configured `pubkey` base64 of the public key box;
 * - Sparkle (`sign_update`): `sparkle:edSignature` is base64 of the raw Ed25519 signature of the
 *   archive, `SUPublicEDKey` base64 of the raw 32-byte public key.
 */
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';

function ed25519Pair() {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  return { raw, sign: (message: Buffer) => sign(null, message, privateKey) };
}

export interface TauriSigner {
  /** The `plugins.updater.pubkey` of the app's tauri.conf.json. */
  publicKey: string;
  /** The content of `<file>.sig`. */
  sign(data: Buffer, fileName: string, version?: string): string;
}

export function tauriSigner(): TauriSigner {
  const pair = ed25519Pair();
  const keyId = randomBytes(8);
  const keyIdHex = Buffer.from(keyId).reverse().toString('hex').toUpperCase();
  const publicBox = `untrusted comment: minisign public key: ${keyIdHex}\n${Buffer.concat([
    Buffer.from('Ed'),
    keyId,
    pair.raw,
  ]).toString('base64')}\n`;
  return {
    publicKey: Buffer.from(publicBox).toString('base64'),
    sign(data, fileName, version) {
      const signature = pair.sign(createHash('blake2b512').update(data).digest());
      const trusted = [`timestamp:${Math.floor(Date.now() / 1000)}`, `file:${fileName}`];
      if (version !== undefined) trusted.push(`version:${version}`);
      const trustedComment = trusted.join('\t');
      const global = pair.sign(Buffer.concat([signature, Buffer.from(trustedComment)]));
      const box = [
        'untrusted comment: signature from tauri secret key',
        Buffer.concat([Buffer.from('ED'), keyId, signature]).toString('base64'),
        `trusted comment: ${trustedComment}`,
        global.toString('base64'),
        '',
      ].join('\n');
      return Buffer.from(box).toString('base64');
    },
  };
}

export interface SparkleSigner {
  /** `SUPublicEDKey` of the app's Info.plist. */
  publicEdKey: string;
  /** `sparkle:edSignature` of the archive. */
  sign(data: Buffer): string;
}

export function sparkleSigner(): SparkleSigner {
  const pair = ed25519Pair();
  return { publicEdKey: pair.raw.toString('base64'), sign: (data) => pair.sign(data).toString('base64') };
}
