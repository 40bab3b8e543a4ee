import "@/shared/element-theme.css";
import { createApp } from "vue";
import { createRouter, createWebHistory } from "vue-router";
import { signIn } from "@/shared/auth";
import App from "./App.vue";

async function start(): Promise<void> {
  await signIn("ops");
  const router = createRouter({
    history: createWebHistory("/ops/"),
    routes: [
      { path: "/", redirect: "/executions" },
      { path: "/executions", component: () => import("./pages/ExecutionsPage.vue"), meta: { title: "状态机执行" } },
      { path: "/executions/:machine/:name", component: () => import("./pages/ExecutionPage.vue"),
        meta: { title: "执行过程" } },
      { path: "/waiting", component: () => import("./pages/WaitingPage.vue"), meta: { title: "等待人工" } },
      { path: "/schedules", component: () => import("./pages/SchedulesPage.vue"), meta: { title: "定时任务" } },
      { path: "/dead-letters", component: () => import("./pages/DeadLettersPage.vue"), meta: { title: "死信队列" } },
      { path: "/datashare", component: () => import("@/shared/DataShareFigures.vue"), meta: { title: "共享数据接口" } },
    ],
  });
  createApp(App).use(router).mount("#app");
}

void start();
