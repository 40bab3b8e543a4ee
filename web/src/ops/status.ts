// How an execution's status reads and looks on the operations console.
export const STATUS_LABELS: Record<string, string> = {
  RUNNING: "运行中", SUCCEEDED: "成功", FAILED: "失败", TIMED_OUT: "超时", ABORTED: "已中止",
  PENDING_REDRIVE: "待重驱",
};

export function statusTag(status: string): "success" | "danger" | "warning" | "info" | "primary" {
  return ({ SUCCEEDED: "success", FAILED: "danger", TIMED_OUT: "danger", ABORTED: "warning", RUNNING: "primary" } as
    Record<string, "success" | "danger" | "warning" | "primary">)[status] ?? "info";
}
