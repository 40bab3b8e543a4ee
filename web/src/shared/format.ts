// Amounts arrive as strings of yuan ("39168.00") and are shown, never computed on: no float ever holds money.
import dayjs from "dayjs";
import timezone from "dayjs/plugin/timezone";
import utc from "dayjs/plugin/utc";

dayjs.extend(utc);
dayjs.extend(timezone);

const SHANGHAI = "Asia/Shanghai";

/** "39168.5" → "39,168.50"; "-1200" → "-1,200.00". Anything that is not a decimal number is shown as it is. */
export function yuan(amount: string | null | undefined): string {
  if (amount === null || amount === undefined || amount === "") {
    return "";
  }
  const match = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(amount.trim());
  if (!match) {
    return amount;
  }
  const [, sign, whole, fraction = ""] = match;
  const grouped = whole.replace(/^0+(?=\d)/, "").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${sign}${grouped}.${fraction.padEnd(2, "0")}`;
}

/** A date or an instant as people in Yingtan read it. */
export function shanghaiDate(value: string | null | undefined): string {
  if (!value) {
    return "";
  }
  return value.length === 10 ? value : dayjs(value).tz(SHANGHAI).format("YYYY-MM-DD HH:mm:ss");
}

/** Today's date in Yingtan ("2026-11-30"), whatever the machine's own time zone. */
export function shanghaiToday(): string {
  return dayjs().tz(SHANGHAI).format("YYYY-MM-DD");
}

/** A rate as a contract prints it (2.6, in per cent) → the fraction the API takes ("0.026"): the decimal point
 * moved in the string, so no binary rounding creeps in. */
export function percentToFraction(percent: string): string {
  const [whole, part = ""] = percent.trim().split(".");
  const scale = part.length + 2;
  const padded = (whole + part).padStart(scale + 1, "0");
  return `${padded.slice(0, -scale)}.${padded.slice(-scale)}`.replace(/^0+(?=\d)/, "");
}
