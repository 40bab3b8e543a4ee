// Sign-in through the identity system (统一身份认证): OAuth 2 authorization code with PKCE (RFC 7636).
// Tokens live in this module's memory only — never localStorage or a cookie a script could read. A reload signs
// in again silently (the identity system keeps its own sign-in session); the refresh token renews the access
// token shortly before it expires; sign-out revokes the refresh token, which ends the session (RFC 7009).
import { reactive } from "vue";

export interface Claims {
  sub: string;
  name: string;
  kind: string;
  roles: string[];
  channel: string;
  exp: number;
  org?: string;
  id_number?: string;
  unit_account?: string;
  credit_code?: string;
}

interface WebConfig {
  identity: string;
  clients: Record<string, string>;
}

interface Tokens {
  access: string;
  refresh: string;
  expiresAt: number; // epoch ms
}

export const session = reactive<{ claims: Claims | null; expired: boolean; message: string }>({
  claims: null,
  expired: false,
  message: "",
});

let tokens: Tokens | null = null;
let config: WebConfig | null = null;
let frontEnd = "";
let renewing: Promise<void> | null = null;

const RENEW_BEFORE_MS = 60_000;

async function webConfig(): Promise<WebConfig> {
  if (!config) {
    const response = await fetch("/web-config.json", { cache: "no-store" });
    config = (await response.json()) as WebConfig;
  }
  return config;
}

function redirectUri(): string {
  return `${window.location.origin}/${frontEnd}/`;
}

function base64Url(bytes: Uint8Array): string {
  let text = "";
  bytes.forEach((b) => (text += String.fromCharCode(b)));
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function decodeClaims(jwt: string): Claims {
  const part = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  const json = decodeURIComponent(
    Array.from(atob(part), (c) => "%" + c.charCodeAt(0).toString(16).padStart(2, "0")).join(""),
  );
  return JSON.parse(json) as Claims;
}

async function tokenRequest(form: Record<string, string>): Promise<Tokens> {
  const { identity } = await webConfig();
  const response = await fetch(`${identity}/oauth/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form).toString(),
  });
  const body = await response.json();
  if (!response.ok) {
    throw new Error(body.error_description || body.error || "登录失败");
  }
  return { access: body.access_token, refresh: body.refresh_token, expiresAt: Date.now() + body.expires_in * 1000 };
}

function accept(received: Tokens): void {
  tokens = received;
  session.claims = decodeClaims(received.access);
  session.expired = false;
  session.message = "";
}

/** Signs in (or finishes a sign-in the identity system redirected back from). Resolves when signed in. */
export async function signIn(name: string): Promise<Claims> {
  frontEnd = name;
  const { identity, clients } = await webConfig();
  const params = new URLSearchParams(window.location.search);
  const code = params.get("code");
  if (code) {
    const expected = sessionStorage.getItem(`pkce:${name}:state`);
    const verifier = sessionStorage.getItem(`pkce:${name}:verifier`) ?? "";
    sessionStorage.removeItem(`pkce:${name}:state`);
    sessionStorage.removeItem(`pkce:${name}:verifier`);
    const back = sessionStorage.getItem(`pkce:${name}:path`) || `/${name}/`;
    window.history.replaceState(null, "", back);
    if (params.get("state") === expected) {
      accept(await tokenRequest({
        grant_type: "authorization_code", code, redirect_uri: redirectUri(), client_id: clients[name],
        code_verifier: verifier,
      }));
      return session.claims as Claims;
    }
  }
  const verifier = base64Url(crypto.getRandomValues(new Uint8Array(32)));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  const state = base64Url(crypto.getRandomValues(new Uint8Array(16)));
  sessionStorage.setItem(`pkce:${name}:verifier`, verifier);
  sessionStorage.setItem(`pkce:${name}:state`, state);
  sessionStorage.setItem(`pkce:${name}:path`, window.location.pathname + window.location.hash);
  const query = new URLSearchParams({
    response_type: "code", client_id: clients[name], redirect_uri: redirectUri(), state,
    code_challenge: base64Url(digest), code_challenge_method: "S256",
  });
  window.location.assign(`${identity}/oauth/authorize?${query}`);
  return new Promise<Claims>(() => undefined); // the page is leaving
}

/** The access token for an API call, renewed with the refresh token when it is about to expire. */
export async function accessToken(): Promise<string> {
  if (!tokens) {
    throw new Error("未登录");
  }
  if (tokens.expiresAt - Date.now() < RENEW_BEFORE_MS) {
    renewing ??= tokenRequest({ grant_type: "refresh_token", refresh_token: tokens.refresh })
      .then(accept)
      .catch(() => {
        tokens = null;
        session.expired = true;
        session.message = "登录已过期，请重新登录";
      })
      .finally(() => (renewing = null));
    await renewing;
    if (!tokens) {
      throw new Error(session.message);
    }
  }
  return tokens.access;
}

/** The API said the token is no longer good (revoked, expired): say so and offer to sign in again. */
export function sessionEnded(message: string): void {
  tokens = null;
  session.expired = true;
  session.message = message || "登录已过期，请重新登录";
}

export async function signOut(): Promise<void> {
  const { identity } = await webConfig();
  if (tokens) {
    await fetch(`${identity}/oauth/revoke`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: tokens.refresh }).toString(),
    }).catch(() => undefined);
  }
  tokens = null;
  session.claims = null;
  const query = new URLSearchParams({ post_logout_redirect_uri: redirectUri() });
  window.location.assign(`${identity}/oauth/logout?${query}`);
}

export function hasRole(...roles: string[]): boolean {
  return !!session.claims && session.claims.roles.some((role) => roles.includes(role));
}
