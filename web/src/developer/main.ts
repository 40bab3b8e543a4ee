import "@/shared/element-theme.css";
import { createApp } from "vue";
import { createRouter, createWebHistory } from "vue-router";
import { signIn } from "@/shared/auth";
import App from "./App.vue";

async function start(): Promise<void> {
  await signIn("developer");
  const router = createRouter({
    history: createWebHistory("/developer/"),
    routes: [
      { path: "/", component: () => import("./pages/CompanyPage.vue"), meta: { title: "企业与项目" } },
      { path: "/loans", component: () => import("./pages/BuyerLoansPage.vue"), meta: { title: "购房人贷款" } },
    ],
  });
  createApp(App).use(router).mount("#app");
}

void start();
