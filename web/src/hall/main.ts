import "@/shared/element-theme.css";
import { createApp } from "vue";
import { createRouter, createWebHistory } from "vue-router";
import { signIn } from "@/shared/auth";
import App from "./App.vue";

async function start(): Promise<void> {
  await signIn("hall");
  const router = createRouter({
    history: createWebHistory("/hall/"),
    routes: [
      { path: "/", component: () => import("./pages/AccountPage.vue"), meta: { title: "我的公积金" } },
      { path: "/withdrawals", component: () => import("./pages/WithdrawalsPage.vue"), meta: { title: "提取记录" } },
      { path: "/withdraw", component: () => import("./pages/WithdrawPage.vue"), meta: { title: "提取申请" } },
      { path: "/loans", component: () => import("./pages/LoansPage.vue"), meta: { title: "我的贷款" } },
      { path: "/consents", component: () => import("./pages/ConsentsPage.vue"), meta: { title: "数据授权" } },
      { path: "/notices", component: () => import("./pages/NoticesPage.vue"), meta: { title: "动账通知" } },
    ],
  });
  createApp(App).use(router).mount("#app");
}

void start();
