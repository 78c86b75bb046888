package dev.drover.agent.runtime;

/** An image could not be pulled (unknown image, unreachable registry, refused credentials). */
public class ImagePullException extends RuntimeException {
  public ImagePullException(String message, Throwable cause) {
    super(message, cause);
  }
}
