// A form sent the way the counter expects: checked first (Element Plus rules), then a summary to confirm, then
// the call; the platform's refusal goes to the caller (beside the field it is about, see field-errors.ts).
import { ElMessageBox, type FormInstance } from "element-plus";
import { type Ref, ref } from "vue";

/** A rule from one of checks.ts's predicates, checked when the field loses focus and before sending. */
export function rule(ok: (value: string) => boolean, message: string) {
  return {
    validator: (_: unknown, value: string, callback: (e?: Error) => void) =>
      ok(value ?? "") ? callback() : callback(new Error(message)),
    trigger: "blur",
  };
}

export function useConfirmedSubmit(options: {
  form: Ref<FormInstance | undefined>;
  title: string;
  /** The confirming button's words: what the clerk is about to do (确认开户, 确认核实…). */
  confirm: string;
  summary: () => string;
  send: () => Promise<void>;
  refused: (error: unknown) => void;
  before?: () => void;
}) {
  const busy = ref(false);

  async function submit(): Promise<void> {
    options.before?.();
    if (!(await options.form.value?.validate().catch(() => false))) {
      return;
    }
    const ok = await ElMessageBox.confirm(options.summary(), options.title,
      { confirmButtonText: options.confirm, cancelButtonText: "返回修改", type: "info" }).catch(() => false);
    if (!ok) {
      return;
    }
    busy.value = true;
    try {
      await options.send();
    } catch (e) {
      options.refused(e);
    } finally {
      busy.value = false;
    }
  }

  return { busy, submit };
}
