package io.hepatrial.study;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Child-Pugh, MELD / MELD-Na and MELD 3.0 as published (docs/outcomes.md has the sources): pure functions
 * of their inputs in the units the formulas use.
 */
public final class ClinicalScores {

    private ClinicalScores() {
    }

    /** A Child-Pugh score (5–15) and its class (A 5–6, B 7–9, C 10–15). */
    public record ChildPugh(int score, String childPughClass) {
    }

    /**
     * Child-Pugh (Pugh et al. 1973): bilirubin &lt; 2 / 2–3 / &gt; 3 mg/dL; albumin &gt; 3.5 / 2.8–3.5 /
     * &lt; 2.8 g/dL; INR &lt; 1.7 / 1.7–2.3 / &gt; 2.3; ascites none / mild / moderate-severe; hepatic
     * encephalopathy none / grade 1–2 / grade 3–4: 1, 2 or 3 points each.
     *
     * @param ascitesGrade       International Ascites Club grade 0 (none), 1 (mild), 2–3 (moderate, severe)
     * @param encephalopathyGrade West Haven grade 0–4
     */
    public static ChildPugh childPugh(double bilirubinMgDl, double albuminGDl, double inr, int ascitesGrade, int encephalopathyGrade) {
        int score = (bilirubinMgDl < 2 ? 1 : bilirubinMgDl <= 3 ? 2 : 3)
                + (albuminGDl > 3.5 ? 1 : albuminGDl >= 2.8 ? 2 : 3)
                + (inr < 1.7 ? 1 : inr <= 2.3 ? 2 : 3)
                + (ascitesGrade <= 0 ? 1 : ascitesGrade == 1 ? 2 : 3)
                + (encephalopathyGrade <= 0 ? 1 : encephalopathyGrade <= 2 ? 2 : 3);
        return new ChildPugh(score, score <= 6 ? "A" : score <= 9 ? "B" : "C");
    }

    /**
     * MELD (OPTN policy, 2016): 10 × (0.957 ln creatinine + 0.378 ln bilirubin + 1.120 ln INR + 0.643),
     * the sum rounded to the tenth before the ×10; inputs below 1.0 set to 1.0, creatinine above 4.0
     * (or on dialysis twice in the past week) set to 4.0; capped at 40. Units mg/dL.
     */
    public static int meld(double creatinineMgDl, double bilirubinMgDl, double inr, boolean dialysis) {
        double creatinine = dialysis ? 4.0 : Math.min(4.0, Math.max(1.0, creatinineMgDl));
        double bilirubin = Math.max(1.0, bilirubinMgDl);
        double ratio = Math.max(1.0, inr);
        double initial = 0.957 * Math.log(creatinine) + 0.378 * Math.log(bilirubin) + 1.120 * Math.log(ratio) + 0.643;
        int meld = BigDecimal.valueOf(initial).setScale(1, RoundingMode.HALF_UP).movePointRight(1).intValue();
        return Math.min(40, meld);
    }

    /**
     * MELD-Na (OPTN policy, 2016): when MELD &gt; 11, MELD + 1.32 × (137 − Na) − 0.033 × MELD × (137 − Na),
     * sodium bounded to 125–137 mmol/L, rounded to the nearest whole number, capped at 40;
     * otherwise MELD itself.
     */
    public static int meldNa(int meld, double sodiumMmolL) {
        if (meld <= 11) {
            return meld;
        }
        double sodium = Math.min(137, Math.max(125, sodiumMmolL));
        double value = meld + 1.32 * (137 - sodium) - 0.033 * meld * (137 - sodium);
        return Math.min(40, (int) Math.round(value));
    }

    /**
     * MELD 3.0 (Kim et al., Gastroenterology 2021; OPTN policy 2023): 1.33 × female + 4.56 ln bilirubin
     * + 0.82 × (137 − Na) − 0.24 × (137 − Na) × ln bilirubin + 9.09 ln INR + 11.14 ln creatinine
     * + 1.85 × (3.5 − albumin) − 1.83 × (3.5 − albumin) × ln creatinine + 6, rounded to the nearest
     * whole number, capped at 40. Bilirubin, INR and creatinine below 1.0 are set to 1.0, creatinine
     * above 3.0 (or on dialysis twice in the past week) to 3.0, sodium bounded to 125–137 mmol/L,
     * albumin to 1.5–3.5 g/dL. Units mg/dL, g/dL, mmol/L.
     */
    public static int meld3(boolean female, double creatinineMgDl, double bilirubinMgDl, double inr, double sodiumMmolL,
            double albuminGDl, boolean dialysis) {
        double lnCreatinine = Math.log(dialysis ? 3.0 : Math.min(3.0, Math.max(1.0, creatinineMgDl)));
        double lnBilirubin = Math.log(Math.max(1.0, bilirubinMgDl));
        double lnInr = Math.log(Math.max(1.0, inr));
        double sodiumBelow137 = 137 - Math.min(137, Math.max(125, sodiumMmolL));
        double albuminBelow35 = 3.5 - Math.min(3.5, Math.max(1.5, albuminGDl));
        double value = (female ? 1.33 : 0) + 4.56 * lnBilirubin + 0.82 * sodiumBelow137 - 0.24 * sodiumBelow137 * lnBilirubin
                + 9.09 * lnInr + 11.14 * lnCreatinine + 1.85 * albuminBelow35 - 1.83 * albuminBelow35 * lnCreatinine + 6;
        return (int) Math.min(40, Math.round(value));
    }
}
