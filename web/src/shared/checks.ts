// The checks a form makes before it sends anything, the same the platform makes (it decides; these only spare
// the clerk a round trip): the check characters of GB 32100 (统一社会信用代码) and GB 11643 (公民身份号码),
// amounts in yuan to the fen.

const USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const RID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const RID_CHECK = "10X98765432";

export function creditCodeOk(code: string): boolean {
  if (!/^[0-9A-HJ-NPQRTUWXY]{18}$/.test(code)) {
    return false;
  }
  const sum = USCC_WEIGHTS.reduce((total, weight, i) => total + USCC_CHARS.indexOf(code[i]) * weight, 0);
  return USCC_CHARS[(31 - (sum % 31)) % 31] === code[17];
}

export function residentIdOk(id: string): boolean {
  const value = id.toUpperCase();
  if (!/^\d{17}[\dX]$/.test(value)) {
    return false;
  }
  const born = `${value.slice(6, 10)}-${value.slice(10, 12)}-${value.slice(12, 14)}`;
  const date = new Date(`${born}T00:00:00Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== born) {
    return false;
  }
  const sum = RID_WEIGHTS.reduce((total, weight, i) => total + Number(value[i]) * weight, 0);
  return RID_CHECK[sum % 11] === value[17];
}

/** A positive amount in yuan with at most two decimals ("5000", "5000.5", "5000.50"). */
export function yuanOk(amount: string): boolean {
  return /^(0|[1-9]\d{0,11})(\.\d{1,2})?$/.test(amount) && Number(amount) > 0;
}

/** A deposit ratio as the policy writes it: 0.05 to 0.12 with at most two decimals. */
export function ratioOk(ratio: string): boolean {
  return /^0\.(0[5-9]|1[0-2])$/.test(ratio);
}
