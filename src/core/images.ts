// Images that came with a mail (a camera's snapshot): the event names them, the snapshot store keeps their bytes
// under data_dir, and outputs that can carry a picture (MQTT's image topic, Telegram) read them from there.

/** An image of an event, as the event's `images` lists it: no bytes, so events stay small on MQTT and in logs. */
export interface ImageRef {
  /** The attachment's file name, or one made up from its type (`snapshot-1.jpg`). */
  name: string;
  /** `image/jpeg` or `image/png`. */
  content_type: string;
  size: number;
  /** Hex SHA-256 of the bytes: the key the store keeps them under. */
  sha256: string;
}

/** Read access to stored images; undefined when the image was never stored or has been removed by age or size. */
export interface ImageStore {
  read(image: ImageRef): Promise<Buffer | undefined>;
}
