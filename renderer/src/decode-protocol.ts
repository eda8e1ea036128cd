// Messages between the screen and its decoder worker.
export interface DecodeRequest {
  id: number;
  frame: ImageBitmap;
}

export interface DecodeResponse {
  id: number;
  text: string | null;
  ms: number;
  error?: string;
}
