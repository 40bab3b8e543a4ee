// A depositor's own withdrawal application (提取申请), the same on the APP and in the personal web hall: a reason
// open online, the amount (or the whole balance when the reason closes the account), the holder's own card
// (checked with the bank before anything is sent), the materials — fetched from the e-licence library under the
// authorization code the holder gave the center in 赣服通, or a number where no licence stands for one (an
// e-invoice) — or spared by shared data: the reason's scenario checked under the holder's own online consent, each
// material the data stands for sent with the query that proves it (DSQ-…; the ledger checks it against the trail);
// and the document the amount rests on. The platform decides; these checks spare a round trip. One request id per
// visit to the page: a retry or a double click is the same request.
import { computed, reactive, ref } from "vue";
import type { components as ArchiveSchemas } from "@/api/archive";
import type { components } from "@/api/ledger";
import { archive, datashare, ledger, settlement, unwrap } from "./api";
import { session } from "./auth";
import { useFieldErrors } from "./field-errors";
import { yuan } from "./format";
import { myAccount, type Account } from "./my-account";
import { useTask } from "./task";

type Rule = components["schemas"]["RuleView"];
type LicenceType = ArchiveSchemas["schemas"]["LicenceRequest"]["licence_type"];
export type Material = { code: string; name: string; licence: LicenceType };

function randomTail(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** ``channel``: the request id's prefix (APP, WEB); ``confirm``: asks the depositor with the summary, true to send;
 * ``done``: where the page goes with the accepted withdrawal's id. */
export function useWithdrawalApplication(channel: string, confirm: (summary: string) => Promise<boolean>,
  done: (withdrawalId: string) => Promise<unknown>) {
  const account = ref<Account | null>(null);
  const rules = ref<Rule[]>([]);
  const loadError = ref("");
  const requestId = `${channel}-${new Date().toISOString().slice(0, 10).replaceAll("-", "")}-${randomTail()}`;
  const form = reactive({
    reason: "", closing: false, amount: "", card_no: "", bank: "", licenceCode: "",
    references: {} as Record<string, string>, evidence: { reference: "", amount: "", issued_on: "" },
  });
  const fetched = reactive<Record<string, string>>({}); // material code → the archived licence's title
  const fetching = useTask();
  const checking = useTask();
  const sharedNote = ref(""); // what the shared-data check said: spared materials, or why the paper way
  const submitting = useTask();
  const fieldErrors = useFieldErrors({
    WITHDRAWAL_OVER_AVAILABLE: "amount", WITHDRAWAL_OVER_CAP: "amount", WITHDRAWAL_OVER_EVIDENCE: "amount",
    WITHDRAWAL_MODE_NOT_ALLOWED: "amount", INVALID_BANK_CARD: "card_no", PAYEE_NOT_HOLDER: "card_no",
    MATERIALS_MISSING: "materials", EVIDENCE_REQUIRED: "evidence", EVIDENCE_TOO_OLD: "evidence",
    EVIDENCE_IN_FUTURE: "evidence", WITHDRAWAL_REFERENCE_USED: "evidence",
    LICENCE_AUTHORIZATION_REFUSED: "licenceCode", AUTHORIZATION_CODE_INVALID: "licenceCode",
  }, ["amount", "card_no", "materials", "evidence", "licenceCode"]);
  const { errors, clear, show } = fieldErrors;

  const rule = computed(() => rules.value.find((r) => r.reason === form.reason));
  const materials = computed(() => (rule.value?.materials ?? []) as Material[]);
  const byLicence = computed(() => materials.value.filter((m) => m.licence));
  // the holder's name as the identity system signed it (the account shows it masked): the payee and the card's holder
  const holderName = computed(() => session.claims?.name ?? "");
  const closing = computed(() => rule.value?.mode === "closing" || (rule.value?.mode === "either" && form.closing));

  async function load(): Promise<void> {
    try {
      account.value = await myAccount();
      rules.value = unwrap(await ledger.GET("/withdrawal-rules")).rules.filter((r) => r.online);
    } catch (e) {
      loadError.value = (e as Error).message;
    }
  }

  /** Each material a licence stands for, fetched and filed in the archive; its archive key becomes the reference. */
  function fetchLicences(): void {
    clear();
    void fetching.run(async () => {
      for (const material of byLicence.value.filter((m) => !form.references[m.code]?.startsWith("DSQ-"))) {
        const record = unwrap(await archive.POST("/licences", {
          body: { licence_type: material.licence, authorization_code: form.licenceCode.trim(),
            business_id: requestId, purpose: `住房公积金${rule.value?.name ?? "提取"}` },
        }));
        form.references[material.code] = record.document_key;
        fetched[material.code] = record.title;
      }
    });
  }

  /** The reason's scenario checked under the holder's own online consent (授权 on the consents page first). */
  function checkShared(): void {
    sharedNote.value = "";
    void checking.run(async () => {
      const me = session.claims?.id_number ?? "";
      const scenario = rule.value?.scenario ?? "";
      const mine = unwrap(await datashare.POST("/authorization-searches", {
        body: { subject_kind: "person", subject_id: me } })).authorizations;
      const consent = mine.find((a) => !a.revoked_on && a.scenarios.includes(scenario));
      if (!consent) {
        sharedNote.value = "尚未授权本中心为此业务查询共享数据：请先在“数据授权”中授权，或提供材料";
        return;
      }
      const result = unwrap(await datashare.POST("/checks", { body: {
        scenario, subject_id: me, business_id: requestId, authorization_id: consent.authorization_id } }));
      if (!result.online) {
        sharedNote.value = `请提供材料：${result.paper.join("；")}`;
        return;
      }
      for (const [code, queryId] of Object.entries(result.proofs)) {
        if (materials.value.some((m) => m.code === code)) {
          form.references[code] = queryId;
          fetched[code] = "共享数据已核验，免交";
        }
      }
      form.evidence.reference ||= result.prefill.evidence_reference ?? "";
      form.evidence.amount ||= result.prefill.evidence_amount ?? "";
      form.evidence.issued_on ||= result.prefill.evidence_date ?? "";
      sharedNote.value = result.material_names.length ? `共享数据核验通过，免交：${result.material_names.join("、")}`
        : "共享数据核验通过";
    });
  }

  async function submit(): Promise<void> {
    clear();
    const missing = materials.value.filter((m) => !form.references[m.code]?.trim());
    if (missing.length) {
      errors.materials = `请提供：${missing.map((m) => m.name).join("、")}`;
      return;
    }
    const summary = [`提取原因：${rule.value?.name}`, closing.value ? "销户提取：全部余额及利息" :
      `提取金额：${yuan(form.amount)} 元`, `收款银行卡：${form.card_no}（${form.bank}）`].join("\n");
    if (!(await confirm(summary))) {
      return;
    }
    await submitting.run(async () => {
      try {
        const check = unwrap(await settlement.POST("/card-checks", {
          body: { card_no: form.card_no, name: holderName.value },
        }));
        if (!check.matched) {
          errors.card_no = `银行卡校验未通过：${check.result_label}`;
          return;
        }
        const withdrawal = unwrap(await ledger.POST("/accounts/{account_no}/withdrawals", {
          params: { path: { account_no: account.value?.account_no ?? "" } },
          body: {
            request_id: requestId, reason: form.reason, closing: closing.value,
            amount: closing.value ? null : form.amount,
            payee: { card_no: form.card_no, name: holderName.value, bank: form.bank },
            materials: materials.value.map((m) => ({ code: m.code, reference: form.references[m.code].trim() })),
            evidence: rule.value?.evidence_within_months != null ? form.evidence : null,
          },
        }));
        await done(withdrawal.withdrawal_id);
      } catch (e) {
        show(e);
      }
    });
  }

  return { account, rules, loadError, form, fetched, fetching, checking, sharedNote, submitting, ...fieldErrors, rule,
    materials, byLicence, holderName, closing, load, fetchLicences, checkShared, submit };
}
