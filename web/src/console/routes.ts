// The console's pages: an area adds its folder, its routes here and its menu group — nothing else. A route
// carries the roles that may see it (menus follow them; the API still decides).
import type { RouteRecordRaw } from "vue-router";
import { hasRole } from "@/shared/auth";

export const STAFF = ["counter_clerk", "approver", "finance", "auditor", "leader", "archivist", "operator"];
// who may open the console at all: the staff above and the data-sharing administrator, whose one page is 数据共享管理
export const CONSOLE_ROLES = [...STAFF, "data_admin"];

export interface MenuGroup {
  title: string;
  items: { path: string; title: string; roles: string[] }[];
}

export const menu: MenuGroup[] = [
  {
    title: "单位与个人",
    items: [
      { path: "/units", title: "单位查询", roles: STAFF },
      { path: "/units/open", title: "单位开户", roles: ["counter_clerk"] },
      { path: "/accounts/open", title: "个人开户", roles: ["counter_clerk"] },
      { path: "/accounts", title: "个人账户查询", roles: STAFF },
      { path: "/withdrawals", title: "提取办理", roles: ["counter_clerk"] },
      { path: "/vouchers", title: "凭证打印", roles: ["counter_clerk"] },
    ],
  },
  {
    title: "贷款",
    items: [
      { path: "/loans", title: "贷款台账", roles: ["counter_clerk", "approver", "finance", "auditor", "leader"] },
      { path: "/loans/register", title: "贷款登记", roles: ["approver"] },
    ],
  },
  {
    title: "财务",
    items: [
      { path: "/finance/funds", title: "汇缴到账确认", roles: ["finance"] },
      { path: "/finance/settlement", title: "结算待办", roles: ["finance"] },
      { path: "/finance/reconciliation", title: "资金对账", roles: ["finance"] },
      { path: "/finance/deductions", title: "批量扣款", roles: ["finance"] },
    ],
  },
  {
    title: "档案",
    items: [{ path: "/archive", title: "电子档案", roles: ["counter_clerk", "auditor", "leader", "archivist", "approver",
      "finance"] }],
  },
  {
    title: "政务数据共享",
    items: [
      { path: "/datashare/authorizations", title: "数据查询授权", roles: ["counter_clerk"] },
      { path: "/datashare/checks", title: "共享数据核验", roles: ["counter_clerk", "approver"] },
      { path: "/datashare/trail", title: "查询留痕", roles: ["auditor"] },
      { path: "/datashare/sources", title: "接口与统计", roles: ["counter_clerk", "approver", "auditor", "leader",
        "operator"] },
      { path: "/datashare/governance", title: "数据共享管理", roles: ["data_admin", "auditor", "leader", "operator"] },
      { path: "/datashare/bad-records", title: "不良信息处理", roles: ["counter_clerk", "approver", "auditor", "data_admin"] },
    ],
  },
  {
    title: "领导",
    items: [{ path: "/leader/cockpit", title: "领导驾驶舱", roles: ["leader"] }],
  },
  {
    title: "稽核",
    items: [{ path: "/audit/operations", title: "操作留痕", roles: ["auditor"] }],
  },
];

export const routes: RouteRecordRaw[] = [
  // the first page the signed-in role may see (a data-sharing administrator has no 单位查询)
  { path: "/", redirect: () => menu.flatMap((g) => g.items).find((item) => hasRole(...item.roles))?.path ?? "/units" },
  { path: "/units", component: () => import("./pages/UnitsPage.vue"), meta: { title: "单位查询" } },
  { path: "/units/open", component: () => import("./pages/UnitOpenPage.vue"), meta: { title: "单位开户" } },
  { path: "/units/:unitAccount(\\d{12})", component: () => import("./pages/UnitPage.vue"), meta: { title: "单位详情" } },
  { path: "/accounts/open", component: () => import("./pages/AccountOpenPage.vue"), meta: { title: "个人开户" } },
  { path: "/accounts/:accountNo?", component: () => import("./pages/AccountPage.vue"), meta: { title: "个人账户查询" } },
  { path: "/withdrawals", component: () => import("./pages/WithdrawalPage.vue"), meta: { title: "提取办理" } },
  { path: "/vouchers", component: () => import("./pages/VouchersPage.vue"), meta: { title: "凭证打印" } },
  { path: "/audit/operations", component: () => import("./pages/OperationsPage.vue"), meta: { title: "操作留痕" } },
  { path: "/finance/funds", component: () => import("./pages/finance/FundsPage.vue"), meta: { title: "汇缴到账确认" } },
  { path: "/archive", component: () => import("./pages/archive/ArchivePage.vue"), meta: { title: "电子档案" } },
  { path: "/leader/cockpit", component: () => import("./pages/leader/CockpitPage.vue"), meta: { title: "领导驾驶舱" } },
  { path: "/finance/reconciliation", component: () => import("./pages/finance/ReconciliationPage.vue"),
    meta: { title: "资金对账" } },
  { path: "/loans", component: () => import("./pages/loans/LoansPage.vue"), meta: { title: "贷款台账" } },
  { path: "/loans/register", component: () => import("./pages/loans/LoanRegisterPage.vue"), meta: { title: "贷款登记" } },
  { path: "/loans/:loanNo", component: () => import("./pages/loans/LoanPage.vue"), meta: { title: "贷款详情" } },
  { path: "/finance/deductions", component: () => import("./pages/finance/DeductionRunPage.vue"),
    meta: { title: "批量扣款" } },
  { path: "/datashare/authorizations", component: () => import("./pages/datashare/AuthorizationsPage.vue"),
    meta: { title: "数据查询授权" } },
  { path: "/datashare/checks", component: () => import("./pages/datashare/CheckPage.vue"),
    meta: { title: "共享数据核验" } },
  { path: "/datashare/trail", component: () => import("./pages/datashare/TrailPage.vue"), meta: { title: "查询留痕" } },
  { path: "/datashare/sources", component: () => import("./pages/datashare/SourcesPage.vue"),
    meta: { title: "接口与统计" } },
  { path: "/datashare/governance", component: () => import("./pages/datashare/GovernancePage.vue"),
    meta: { title: "数据共享管理" } },
  { path: "/datashare/bad-records", component: () => import("./pages/datashare/BadRecordsPage.vue"),
    meta: { title: "不良信息处理" } },
  { path: "/finance/settlement", component: () => import("./pages/finance/SettlementDeskPage.vue"),
    meta: { title: "结算待办" } },
];
