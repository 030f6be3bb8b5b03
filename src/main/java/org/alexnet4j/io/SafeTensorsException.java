// A safetensors file that breaks the format; the message names the file and, where one is at fault, the tensor.
package org.alexnet4j.io;

import java.io.IOException;

/** A malformed or unsupported safetensors file. */
public class SafeTensorsException extends IOException {
    public SafeTensorsException(String message) { super(message); }
}
