// A page's piece of work against the API: busy while it runs, its error's message (the platform's, in Chinese)
// kept for the page to show, never thrown past it.
import { ref } from "vue";

export function useTask() {
  const busy = ref(false);
  const error = ref("");

  async function run(work: () => Promise<void>): Promise<void> {
    busy.value = true;
    error.value = "";
    try {
      await work();
    } catch (e) {
      error.value = (e as Error).message;
    } finally {
      busy.value = false;
    }
  }

  return { busy, error, run };
}
