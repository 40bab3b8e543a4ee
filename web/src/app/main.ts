import "vant/es/toast/style";
import { createApp } from "vue";
import { createRouter, createWebHistory } from "vue-router";
import { signIn } from "@/shared/auth";
import App from "./App.vue";

async function start(): Promise<void> {
  await signIn("app");
  const router = createRouter({
    history: createWebHistory("/app/"),
    routes: [
      { path: "/", component: () => import("./pages/HomePage.vue"), meta: { title: "我的公积金" } },
      { path: "/entries", component: () => import("./pages/EntriesPage.vue"), meta: { title: "缴存明细" } },
      { path: "/withdrawals", component: () => import("./pages/WithdrawalsPage.vue"), meta: { title: "我的提取" } },
      { path: "/withdraw", component: () => import("./pages/WithdrawPage.vue"), meta: { title: "提取申请" } },
      { path: "/loans", component: () => import("./pages/LoansPage.vue"), meta: { title: "我的贷款" } },
      { path: "/consents", component: () => import("./pages/ConsentsPage.vue"), meta: { title: "数据授权" } },
      { path: "/notices", component: () => import("./pages/NoticesPage.vue"), meta: { title: "动账通知" } },
      { path: "/loans/:no", component: () => import("./pages/LoanPage.vue"), meta: { title: "贷款详情" } },
      { path: "/withdrawals/:id", component: () => import("./pages/WithdrawalPage.vue"), meta: { title: "提取进度" } },
    ],
  });
  createApp(App).use(router).mount("#app");
}

void start();

// installable, and the shell opens offline (public/app/sw.js keeps no personal data)
if ("serviceWorker" in navigator) {
  void navigator.serviceWorker.register("/app/sw.js", { scope: "/app/" }).catch(() => undefined);
}
