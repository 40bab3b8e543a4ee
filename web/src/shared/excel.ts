// Excel export of what a table shows (导出Excel): the rows as the page has them, one column per table column, a
// bold header row kept in view, amounts as numbers formatted to the fen (so a clerk can sum them in Excel) — the
// platform's own string amounts converted only here, at the edge. Loaded when a clerk exports, not before.

export type ExcelColumn<Row> = {
  header: string;
  value: (row: Row) => string | number | null | undefined;
  kind?: "text" | "money" | "count";
  width?: number;
};

/** The sheet a table becomes: a header row, then one row per record (exported for the component tests). */
export function sheetOf<Row>(columns: ExcelColumn<Row>[], rows: Row[]) {
  const header = columns.map((c) => ({ value: c.header, fontWeight: "bold" as const }));
  const body = rows.map((row) => columns.map((c) => {
    const value = c.value(row);
    if (value === null || value === undefined || value === "") {
      return null;
    }
    if (c.kind === "money") {
      return { value: Number(value), type: Number, format: "#,##0.00" };
    }
    if (c.kind === "count") {
      return { value: Number(value), type: Number };
    }
    return { value: String(value), type: String };
  }));
  return [header, ...body];
}

export async function exportExcel<Row>(fileName: string, sheet: string, columns: ExcelColumn<Row>[],
  rows: Row[]): Promise<void> {
  const { default: writeXlsxFile } = await import("write-excel-file/browser");
  await writeXlsxFile(sheetOf(columns, rows), {
    sheet, stickyRowsCount: 1, columns: columns.map((c) => ({ width: c.width ?? 16 })),
  }).toFile(fileName.endsWith(".xlsx") ? fileName : `${fileName}.xlsx`);
}
