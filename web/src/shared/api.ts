// Typed clients of the areas' APIs, generated from their OpenAPI documents (npm run api): a route that changes
// shape breaks vue-tsc in the build. Every call carries the access token; an error answer becomes an ApiError
// with the platform's stable code and its Chinese message, shown to the user as it comes.
import createClient, { type Middleware } from "openapi-fetch";
import type { paths as ArchivePaths } from "@/api/archive";
import type { paths as DataSharePaths } from "@/api/datashare";
import type { paths as LedgerPaths } from "@/api/ledger";
import type { paths as LendingPaths } from "@/api/lending";
import type { paths as PlatformPaths } from "@/api/platform";
import type { paths as SealPaths } from "@/api/seal";
import type { paths as SettlementPaths } from "@/api/settlement";
import { accessToken, sessionEnded } from "./auth";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown = {},
  ) {
    super(message);
  }
}

const ENDED = new Set(["TOKEN_EXPIRED", "TOKEN_REVOKED", "TOKEN_INVALID", "UNAUTHENTICATED"]);

const bearer: Middleware = {
  async onRequest({ request }) {
    request.headers.set("Authorization", `Bearer ${await accessToken()}`);
    return request;
  },
  async onResponse({ response }) {
    if (response.status === 401) {
      const body = await response.clone().json().catch(() => ({}));
      if (ENDED.has(body.code) || !body.code) {
        sessionEnded(body.message);
      }
    }
    return response;
  },
};

export const ledger = createClient<LedgerPaths>({ baseUrl: "/ledger" });
ledger.use(bearer);
export const seal = createClient<SealPaths>({ baseUrl: "/seal" });
seal.use(bearer);
export const platform = createClient<PlatformPaths>({ baseUrl: "/platform" });
platform.use(bearer);
export const settlement = createClient<SettlementPaths>({ baseUrl: "/settlement" });
settlement.use(bearer);
export const archive = createClient<ArchivePaths>({ baseUrl: "/archive" });
archive.use(bearer);
export const lending = createClient<LendingPaths>({ baseUrl: "/lending" });
lending.use(bearer);
export const datashare = createClient<DataSharePaths>({ baseUrl: "/datashare" });
datashare.use(bearer);

/** The data of an answer, or an ApiError with the platform's code and message. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || result.data === undefined) {
    const body = (result.error ?? {}) as { code?: string; message?: string; details?: unknown };
    throw new ApiError(result.response.status, body.code ?? "HTTP_" + result.response.status,
      body.message ?? `请求失败（${result.response.status}）`, body.details ?? {});
  }
  return result.data;
}
