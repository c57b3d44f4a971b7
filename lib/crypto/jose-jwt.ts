// The parts of jose that signed tokens use, imported on first use by signed-token.ts: a dynamic import of 'jose' itself
// would bundle all of jose (issue 14, cold starts).
export { SignJWT, errors, jwtVerify } from 'jose';
