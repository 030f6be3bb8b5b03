package org.alexnet4j.data;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** SHA-256 digests for dataset fingerprints and cache keys. */
final class Sha256 {
    private Sha256() {}

    static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
