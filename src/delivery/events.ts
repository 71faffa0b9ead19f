/**
 * What delivery reports about a recipient's reachability. The platform
 * lifecycle acts on it: it marks the platform OFFLINE or CONNECTED and
 * tells the others (hubclientinfo).
 */
export interface RecipientListener {
  /** The recipient kept failing past the delivery window; what was queued for it is dropped. */
  failing(platformId: string): Promise<void>;
  /** The OFFLINE recipient answered the probe of its versions endpoint. */
  reachable(platformId: string): Promise<void>;
}

/**
 * Carries the reports to their listener. Delivery is built first and the
 * lifecycle, which needs delivery, attaches itself when it is built.
 */
export interface RecipientEvents extends RecipientListener {
  listen(listener: RecipientListener): void;
}

export function createRecipientEvents(): RecipientEvents {
  let listener: RecipientListener | undefined;
  return {
    listen(l) {
      if (listener !== undefined) throw new Error("recipient events have a listener already");
      listener = l;
    },
    failing: async (platformId) => listener?.failing(platformId),
    reachable: async (platformId) => listener?.reachable(platformId),
  };
}
