// The platform's answer to a form, put beside the field it is about: a code that names a field (the credit code's
// check character, a ratio outside the policy…) or a schema error naming it; anything else stays on the form.
import { reactive } from "vue";
import { ApiError } from "./api";

/** ``shown``: the fields the form has; a schema error naming another (a nested one, a field the form fills by
 * itself) goes on the form rather than beside nothing. Without it, any named field is taken as shown. */
export function useFieldErrors<F extends string>(byCode: Record<string, F>, shown?: readonly string[]) {
  const errors = reactive<Record<string, string>>({});
  const general = reactive({ message: "" });

  function clear(): void {
    Object.keys(errors).forEach((key) => delete errors[key]);
    general.message = "";
  }

  function show(error: unknown): void {
    clear();
    const message = (error as Error).message;
    if (error instanceof ApiError) {
      const field = byCode[error.code];
      const named = Array.isArray(error.details) ? (error.details as { field?: string }[])[0]?.field : undefined;
      if (field) {
        errors[field] = message;
        return;
      }
      if (error.code === "VALIDATION_FAILED" && named && (!shown || shown.includes(named))) {
        errors[named] = `${message}：格式不正确`;
        return;
      }
      if (error.code === "VALIDATION_FAILED" && named) {
        general.message = `${message}（${named}）`;
        return;
      }
    }
    general.message = message;
  }

  return { errors, general, clear, show };
}
