// Paging over the platform's continuation tokens: the tokens of the pages seen are kept, so 上一页 goes back
// without the server knowing page numbers.
import { type Ref, ref } from "vue";
import { useTask } from "./task";

export function usePages<T>(fetch: (token: string | undefined) => Promise<{ items: T[]; next: string | null | undefined }>) {
  const items = ref<T[]>([]) as Ref<T[]>;
  const tokens = ref<(string | undefined)[]>([undefined]);
  const page = ref(0);
  const { busy, error, run } = useTask();

  function load(index: number): void {
    void run(async () => {
      const result = await fetch(tokens.value[index]);
      items.value = result.items;
      page.value = index;
      tokens.value[index + 1] = result.next ?? undefined;
    });
  }

  /** From the first page again (the query changed). */
  function search(): void {
    tokens.value = [undefined];
    load(0);
  }

  return { items, tokens, page, busy, error, run, load, search };
}
