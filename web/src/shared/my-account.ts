// The depositor's own account, asked for once per page load and shared by the pages of the APP and the web hall.
import { ref } from "vue";
import type { components } from "@/api/ledger";
import { ledger, unwrap } from "@/shared/api";

export type Account = components["schemas"]["AccountView"];

const mine = ref<Account | null>(null);
let asked: Promise<Account> | null = null;

export function myAccount(): Promise<Account> {
  asked ??= ledger.GET("/me/account").then(unwrap).then((account) => (mine.value = account));
  asked.catch(() => (asked = null));
  return asked;
}
