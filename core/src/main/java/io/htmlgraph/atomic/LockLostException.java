package io.htmlgraph.atomic;

import java.io.IOException;

/**
 * A lock that guards a change was lost, or a newer holder's fencing token was found, before the
 * change was published: nothing was published. Thrown instead of writing under a lock that is gone
 * (see {@link HeldLock#isHeld()} and {@link HeldLock#fencingToken()}).
 */
public class LockLostException extends IOException {
  private static final long serialVersionUID = 1L;

  /** @param message what was lost and what was not published */
  public LockLostException(String message) {
    super(message);
  }
}
