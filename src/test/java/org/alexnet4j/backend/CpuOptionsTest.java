package org.alexnet4j.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The cpu options: each defaults to its system property; a value it does not know is refused, naming the property and what it accepts. */
class CpuOptionsTest {
    private static <T> T withProperty(String name, String value, java.util.function.Supplier<T> body) {
        String previous = System.getProperty(name);
        System.setProperty(name, value);
        try {
            return body.get();
        } finally {
            if (previous == null) System.clearProperty(name);
            else System.setProperty(name, previous);
        }
    }

    @Test
    void settingsComeFromTheirPropertiesWhenSet() {
        assertEquals(CpuOptions.Lowering.IM2COL, withProperty(CpuOptions.LOWERING_PROPERTY, "im2col", CpuOptions::defaults).lowering());
        assertEquals(192, withProperty("alexnet4j.cpu.gemm.kc", "192", CpuOptions::defaults).gemm().kc());
        assertEquals(CpuOptions.Lowering.AUTO, CpuOptions.defaults().lowering(), "the default when unset");
    }

    @Test
    void anUnknownPropertyValueIsNamedWithWhatIsAccepted() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> withProperty(CpuOptions.LOWERING_PROPERTY, "winograd", CpuOptions::defaults));
        assertTrue(e.getMessage().contains("alexnet4j.cpu.conv.lowering=winograd") && e.getMessage().contains("im2col"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> withProperty("alexnet4j.cpu.gemm.nc", "0", CpuOptions::defaults));
        assertTrue(e.getMessage().contains("alexnet4j.cpu.gemm.nc=0"), e.getMessage());
    }
}
