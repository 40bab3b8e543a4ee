// A scan filed in the electronic archive from the counter (a withdrawal's material, a signed authorization form):
// PDF, JPEG or PNG only, sent as Base64 under an upload id the page chooses once (a retry files it once).
import type { components } from "@/api/archive";
import { archive, unwrap } from "./api";

type Upload = components["schemas"]["UploadRequest"];
const MEDIA: Record<string, Upload["media_type"]> = {
  "application/pdf": "application/pdf", "image/jpeg": "image/jpeg", "image/png": "image/png",
};

export class NotAScan extends Error {}

export async function fileScan(file: File, what: Omit<Upload, "media_type" | "content_base64">) {
  const mediaType = MEDIA[file.type];
  if (!mediaType) {
    throw new NotAScan("只接受PDF、JPEG、PNG文件");
  }
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = "";
  bytes.forEach((b) => (binary += String.fromCharCode(b)));
  return unwrap(await archive.POST("/uploads", { body: { ...what, media_type: mediaType, content_base64: btoa(binary) } }));
}
