// The parts of jose that the token box uses, imported on first use by token-box.ts: a dynamic import of 'jose' itself
// would bundle all of jose (issue 14, cold starts).
export { CompactEncrypt, compactDecrypt } from 'jose';
