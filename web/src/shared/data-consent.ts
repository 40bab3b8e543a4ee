// 个人互联互通信息查询授权 (7.1.8, 7.2.8): the depositor's own authorizations of shared-data queries — given online
// for the purposes they choose, revoked when they want — and the trail of every query made about them (who, for
// which business, of which data, with what result). The same on the APP and in the web hall.
import { computed, ref } from "vue";
import type { components } from "@/api/datashare";
import { datashare, unwrap } from "./api";
import { session } from "./auth";
import { useTask } from "./task";

type Schemas = components["schemas"];
export type Authorization = Schemas["AuthorizationView"];
export type TrailRecord = Schemas["TrailView"];

export function useDataConsent() {
  const scenarios = ref<Schemas["ScenarioView"][]>([]);
  const authorizations = ref<Authorization[]>([]);
  const trail = ref<TrailRecord[]>([]);
  const loading = useTask();
  const granting = useTask();
  const me = () => ({ subject_kind: "person" as const, subject_id: session.claims?.id_number ?? "" });
  const active = computed(() => authorizations.value.filter((a) => !a.revoked_on));
  const scenarioName = (code: string) => scenarios.value.find((s) => s.code === code)?.name ?? code;

  async function load(): Promise<void> {
    await loading.run(async () => {
      scenarios.value = unwrap(await datashare.GET("/scenarios")).scenarios.filter((s) => s.subject === "person");
      authorizations.value = unwrap(await datashare.POST("/authorization-searches", { body: me() })).authorizations;
      trail.value = unwrap(await datashare.POST("/trail-searches", { body: me() })).records;
    });
  }

  /** Online consent: the signed-in session is the evidence (its token id names it on the record). */
  async function grant(chosen: string[], days: number): Promise<void> {
    await granting.run(async () => {
      unwrap(await datashare.POST("/authorizations", { body: {
        ...me(), subject_name: session.claims?.name ?? "", scenarios: chosen, valid_days: days,
        evidence_kind: "online_consent", evidence_reference: `consent-${session.claims?.sub}-${Date.now()}`,
      } }));
      await load();
    });
  }

  async function revoke(authorizationId: string): Promise<void> {
    await granting.run(async () => {
      unwrap(await datashare.POST("/authorizations/{authorization_id}/revocation", {
        params: { path: { authorization_id: authorizationId } } }));
      await load();
    });
  }

  return { scenarios, authorizations, active, trail, loading, granting, scenarioName, load, grant, revoke };
}
