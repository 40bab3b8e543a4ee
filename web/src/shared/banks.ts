// The banks' codes (行别代码, the first three digits of the CNAPS bank code) a clerk picks from: the national
// ones and the local bank the center keeps accounts with. The platform checks the account with the bank itself.
export const BANKS: [code: string, name: string][] = [
  ["102", "中国工商银行"], ["103", "中国农业银行"], ["104", "中国银行"], ["105", "中国建设银行"],
  ["301", "交通银行"], ["403", "中国邮政储蓄银行"], ["313", "城市商业银行（上饶银行等）"],
];
