/** NTK_OIDC_*: all four or none; a half-configured sign-in stops start-up naming the missing variable. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';

const ALL = {
  NTK_OIDC_ISSUER: 'https://am.nhsidentity.spineservices.nhs.uk/openam/oauth2/realms/root/realms/oidc',
  NTK_OIDC_CLIENT_ID: 'needtoknow-console', NTK_OIDC_CLIENT_SECRET: 'secret', NTK_OIDC_REDIRECT_URI: 'https://ntk.example.nhs.uk/console/auth/callback',
};

describe('console sign-in configuration', () => {
  it('has no OpenID Connect sign-in without the variables, and takes all four', () => {
    expect(loadConfig({}).oidc).toBeUndefined();
    expect(loadConfig(ALL).oidc).toEqual({ issuer: ALL.NTK_OIDC_ISSUER, clientId: 'needtoknow-console', clientSecret: 'secret', redirectUri: ALL.NTK_OIDC_REDIRECT_URI });
  });

  it('names the missing or wrong variable', () => {
    expect(() => loadConfig({ ...ALL, NTK_OIDC_CLIENT_SECRET: '' })).toThrow(new ConfigError('NTK_OIDC_CLIENT_SECRET', 'is required with NTK_OIDC_ISSUER, NTK_OIDC_CLIENT_ID, NTK_OIDC_REDIRECT_URI'));
    expect(() => loadConfig({ ...ALL, NTK_OIDC_REDIRECT_URI: 'https://ntk.example.nhs.uk/callback' })).toThrow(/NTK_OIDC_REDIRECT_URI/);
    expect(() => loadConfig({ ...ALL, NTK_OIDC_ISSUER: 'not a url' })).toThrow(/NTK_OIDC_ISSUER/);
  });
});
