import "@/shared/element-theme.css";
import { createApp } from "vue";
import { createRouter, createWebHistory } from "vue-router";
import { signIn } from "@/shared/auth";
import App from "./App.vue";
import { routes } from "./routes";

async function start(): Promise<void> {
  await signIn("console");
  const router = createRouter({ history: createWebHistory("/console/"), routes });
  createApp(App).use(router).mount("#app");
}

void start();
