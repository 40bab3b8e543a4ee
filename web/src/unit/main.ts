import "@/shared/element-theme.css";
import { createApp } from "vue";
import { createRouter, createWebHistory } from "vue-router";
import { signIn } from "@/shared/auth";
import App from "./App.vue";

async function start(): Promise<void> {
  await signIn("unit");
  const router = createRouter({
    history: createWebHistory("/unit/"),
    routes: [
      { path: "/", redirect: "/info" },
      { path: "/info", component: () => import("./pages/InfoPage.vue"), meta: { title: "单位信息" } },
      { path: "/remittance", component: () => import("./pages/RemittancePage.vue"), meta: { title: "汇缴申报" } },
    ],
  });
  createApp(App).use(router).mount("#app");
}

void start();
