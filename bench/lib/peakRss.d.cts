/** Peak RSS of the current process, in MB (see peakRss.cjs). */
export declare function peakRssMb(): number;
